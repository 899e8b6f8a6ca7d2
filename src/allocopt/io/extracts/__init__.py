"""Reading what councils already produce: Ofsted Annex A workbooks and Standard
Safeguarding Dataset extracts, with the team's roster and override sheet.

- annex_a, ssd: the two readers, each giving the same facts (facts.py);
- roster: the worker roster and the override sheet;
- settings: local codes and places, an editable file;
- build: precedence (override, extract, default) into team and caseload files;
- report: the import report; writers: synthetic extracts from a team and caseload.
"""
