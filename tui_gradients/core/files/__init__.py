"""Files: exports and screenshots written whole or not at all, and runs read back."""
