"""A partner gateway that breaks off mid-answer, or answers with something that is not HTTP, is
no answer (status 0: held and retried by the sender), never an exception that would fail the queue
message into the dead-letter queue."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chalicelib.adapters.partner_http import post_json


@contextmanager
def _serve_once(reply: bytes) -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1/exchange/messages"
    finally:
        thread.join(timeout=5)
        server.close()


@pytest.mark.parametrize(
    "reply",
    [
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"rec',  # cut off
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # not HTTP at all
    ],
    ids=["cut_off", "not_http"],
)
def test_a_broken_answer_is_no_answer(reply: bytes) -> None:
    with _serve_once(reply) as url:
        answer = post_json(url, {"envelope": "x", "payload": {}})
        assert (answer.status, answer.body) == (0, {})


def test_a_refused_connection_is_no_answer() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert post_json(f"http://127.0.0.1:{port}/v1/exchange/messages", {}).status == 0
