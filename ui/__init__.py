"""The Streamlit app's helpers (app.py is the page): authentication, feedback store, Markdown export, citation cards, parallel texts."""
