"""The offline answerer: a lead and verbatim quotes with [n] citations; absences, comparisons, surveys, lists."""
