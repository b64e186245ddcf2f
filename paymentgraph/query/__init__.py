"""query.graph: field selection over entities and links, loaded level by level."""
