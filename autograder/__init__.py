"""conv-lab autograder."""
