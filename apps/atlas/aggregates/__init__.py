"""Published entries counted per country and category: the map, the country pages, the
comparison, the reader's atlas block, and keeping their cache fresh."""
