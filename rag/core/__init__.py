"""The dataclasses and values every layer shares: types, settings (REGQA_*), fitted weights, errors, and the one implementation of tokens, sentences, numerals and citation labels."""
