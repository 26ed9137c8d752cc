"""Page renderers: one module per kind of page, each with `pages(ctx) -> list[Page]`."""
