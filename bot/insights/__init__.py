"""What Balie learns about itself: events per conversation, statistics for the team lead,
the review list of what it did not understand, and the citizens' satisfaction (issue 13)."""
