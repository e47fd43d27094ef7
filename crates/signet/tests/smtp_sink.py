"""A real SMTP server for the tests (aiosmtpd): prints one JSON line per message received.

Usage: smtp_sink.py PORT. Prints READY once it accepts connections.
"""
import asyncio
import json
import sys
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Print:
    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        body = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        print(json.dumps({
            "mailFrom": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "subject": str(msg["subject"]),
            # As it came over the wire, before decoding (RFC 2047 words), unfolded.
            "rawSubject": next(
                "".join(v.splitlines()) for k, v in msg.raw_items() if k.lower() == "subject"
            ),
            "contentType": msg.get_content_type(),
            "parts": [p.get_content_type() for p in msg.iter_parts()],
            "body": body.get_content() if body is not None else "",
            "html": html.get_content() if html is not None else "",
        }), flush=True)
        return "250 OK"


controller = Controller(Print(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("READY", flush=True)
try:
    asyncio.run(asyncio.Event().wait())
finally:
    controller.stop()
