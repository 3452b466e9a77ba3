"""Official documents (文书): one renderer (Jinja HTML → WeasyPrint PDF), stored once with a content hash.

Domains ask this module for a document (`app.documents.service.issue`); none renders one itself.
"""
