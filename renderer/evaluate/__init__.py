"""The quality report: render photo x video pairs and measure how well the motion transferred."""
