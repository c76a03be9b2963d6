"""Media assets: bytes sniffed, stored once by sha256, linked to the campaigns that use them."""
