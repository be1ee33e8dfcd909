"""What every domain may use: money, time, errors, transactions, audit, forms and charts.

Nothing here imports a domain package; domains import from here.
"""
