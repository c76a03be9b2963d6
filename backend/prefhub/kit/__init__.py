"""Small cross-cutting helpers shared by every domain."""
