"""Files: organize a folder (duplicates set aside, files into folders by type, year and topic) as an undoable plan."""
