"""Draw stage: figures turned into images a vision model takes (SVG and PDF figures rasterized
to PNG, raster figures bounded in size), and what such an image costs in tokens."""
