"""Who the companion is: the setup interview, its traits, the name it chooses for itself, how it speaks."""
