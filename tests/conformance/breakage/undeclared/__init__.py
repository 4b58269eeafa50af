"""An app someone added that keeps notes in clear and never declared itself to the datamap."""
