"""Photos and files attached to hazards, progress notes and checks (images only, EXIF stripped)."""
