"""Looking inside attached images: who is pictured, and whose work the file says it is."""
