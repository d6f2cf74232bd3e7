"""What a fetched page says about a link: verdict, reason, title, explanation."""
