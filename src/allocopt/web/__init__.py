"""The allocation meeting in a browser: the board, its actions and pages.

At the edge: the web app (Starlette, Jinja2, vendored HTMX) over the meeting
(`meeting.MeetingBoard`), which reads and writes the decision record
(:mod:`allocopt.record`). The core never imports it.
"""
