"""The desk's web app: server-rendered pages and a JSON API over the case, with named users and roles."""
