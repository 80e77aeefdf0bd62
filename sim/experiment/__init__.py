"""Running the model: single runs, replications, statistics and run-directory outputs."""
