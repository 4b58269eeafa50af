"""Views of the public site: thin, each asking a service or selector and rendering a template."""
