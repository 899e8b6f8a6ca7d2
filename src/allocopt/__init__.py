"""allocopt: safe, fair caseloads for children's social work.

The core (domain, schemes, capacity, board) does no I/O; allocation and
simulation build on it; files, the CLI and reports sit at the edge.
"""

__version__ = "0.1.0"
