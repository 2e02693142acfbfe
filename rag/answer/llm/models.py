"""Choose the chat model behind the LLM answerer, and turn its connection
failures into ``BackendUnavailable`` naming the server URL.

- "openai": any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio,
  OpenAI itself) at ``settings.llm_base_url``;
- "ollama": an Ollama server (default http://127.0.0.1:11434);
- "fake":   rag.answer.llm.demo.ScriptedChatModel (tests, demos without a server).

Client libraries are imported inside the branch that needs them: importing
langchain_openai pulls in openai + httpx + tiktoken, which the offline path
never needs.
"""
from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from rag.core.errors import BackendUnavailable
from rag.core.settings import Settings

CHOICES = ("openai", "ollama", "fake")
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
# Answers are a few sentences; the cap stops a small local model that rambles or loops from
# holding the chat for minutes. Override with Settings(extra={"llm_max_tokens": N}).
DEFAULT_MAX_TOKENS = 1024


def model_url(settings: Settings, name: str | None = None) -> str:
    """The server URL a chat model of ``name`` talks to (for messages)."""
    name = (name or settings.llm).lower()
    if name == "ollama":
        return settings.llm_base_url or DEFAULT_OLLAMA_URL
    if name == "openai":
        return settings.llm_base_url or "https://api.openai.com/v1"
    return f"({name})"


def get_chat_model(settings: Settings, name: str | None = None) -> BaseChatModel:
    """A LangChain chat model for ``name`` (default ``settings.llm``)."""
    name = (name or settings.llm or "").lower()
    max_tokens = int(settings.extra.get("llm_max_tokens", DEFAULT_MAX_TOKENS))
    if name == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url or None,
            model=settings.llm_model or "default",  # llama.cpp/vLLM serve one model and accept any name
            api_key=settings.llm_api_key or "none",  # local servers need no key, but the client insists on one
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=1,
            max_tokens=max_tokens,
            streaming=True,
        )
    if name == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=model_url(settings, "ollama"),
            model=settings.llm_model or "llama3.1",
            temperature=settings.llm_temperature,
            num_predict=max_tokens,
            client_kwargs={"timeout": settings.llm_timeout},
        )
    if name == "fake":
        from rag.answer.llm.demo import ScriptedChatModel

        return ScriptedChatModel()
    raise ValueError(f"unknown LLM {name!r}: choose one of {', '.join(CHOICES)} (or 'offline' for no LLM)")


def is_connection_error(exc: BaseException) -> bool:
    """True for errors meaning "the server is down, unreachable or refused": not bugs in our code."""
    seen = 0
    while exc is not None and seen < 5:
        mod = type(exc).__module__.split(".")[0]
        name = type(exc).__name__
        if isinstance(exc, ConnectionError | TimeoutError):
            return True
        if mod in ("httpx", "httpcore") and ("Connect" in name or "Timeout" in name or "Network" in name
                                             or "Protocol" in name):
            return True
        if mod == "openai" and name in ("APIConnectionError", "APITimeoutError", "InternalServerError",
                                        "NotFoundError", "AuthenticationError", "PermissionDeniedError",
                                        "APIStatusError", "ServiceUnavailableError"):
            return True
        if mod == "ollama" and name == "ResponseError":
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def unavailable(settings: Settings, name: str | None, exc: BaseException) -> BackendUnavailable:
    """A one-line BackendUnavailable naming the LLM server and the cause."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return BackendUnavailable(f"LLM server ({name or settings.llm}) at {model_url(settings, name)} is unavailable: {detail}")
