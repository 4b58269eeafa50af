"""pledge: a site and its data handling that keep their privacy policy."""
