"""Per-service look. Each theme is a folder of templates with a base.html;
pages extend `theme.base_template`, so the same page serves every theme."""
