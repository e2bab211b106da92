"""Job-fit assessment: how well the candidate matches a pasted job description."""
