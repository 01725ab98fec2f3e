"""The code that runs inside a site's own process: Django settings, the per-episode database
backend and middleware, the per-episode search index, URL configurations and the WSGI server.

Nothing here is imported by the worker that drives the browser; only site processes and the build
step (both started as subprocesses by ``palaestra.sites.runtime``) import Django.
"""
