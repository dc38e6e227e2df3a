"""Letters: drafting personal letters in the user's voice from what memory knows (with provenance), proofreading
offline with suggestions accepted one by one, a manuscript of versioned letters and favourites, and the book
(PDF and EPUB) of the chosen ones. Modules import only what they use; heavy libraries (fpdf2, fontTools,
pyspellchecker) load when a command needs them."""
