"""Pages and API lists whose SQL statement count does not grow with their rows.

Each test here asks one page (or API list) of a scene at 5 rows and again after the scene grows to
500, and fails when the second answer took more statements than the first. ``test_every_page_is_counted``
reads the app's URL map and fails for a page or API list with no such test.
"""
