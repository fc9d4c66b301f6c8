"""LLM judges and back-translation through any OpenAI-compatible endpoint.

    client.py       the endpoint: base URL, key (never stored or printed), timeout, retries
    templates.py    the papers' judge prompts (templates/*.txt) and user template files
    fence.py        untrusted text fenced with a per-request nonce
    parsing.py      strict output parsing; p(unsafe) from first-token logprobs
    engine.py       bounded-concurrency requests through openai.AsyncOpenAI
    requests.py     the one request loop of every use: cache, call log, errors, progress
    writer.py       results written as they arrive, in small transactions
    judging.py      a judge run: selection, cache, verdicts
    batch.py        the same through the OpenAI Batch API (batch_collect.py: its results)
    translation.py  back-translation into English
    refusal.py      the offline refusal-string baseline (refusal_phrases.py: the phrases)
    progress.py     the progress bar

All SQL is in `polyjudge.store` (`project.judging`, store/judging.py).
"""
