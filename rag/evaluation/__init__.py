"""Evaluation of regqa on a gold question set: metrics, gold set loading, runner, reports."""
from rag.evaluation.goldset import GoldQuestion, GoldRef, GoldSetError, load_goldset, written_as_of
from rag.evaluation.report import aggregate, check_floors, summarize, to_json, write_html
from rag.evaluation.runner import QuestionResult, run, score

__all__ = ["GoldQuestion", "GoldRef", "GoldSetError", "QuestionResult", "aggregate", "check_floors", "load_goldset", "written_as_of",
           "run", "score", "summarize", "to_json", "write_html"]
