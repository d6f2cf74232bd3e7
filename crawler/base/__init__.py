"""What every stage uses: URLs, the rules data, the settings."""
