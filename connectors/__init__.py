"""Connectors move and convert bytes and frames between LeaveHub and its vendors: transports (SFTP, HTTP,
local folders), OpenPGP, and file formats (delimited, fixed width, JSON). They know no leave rules and import
only ``schemas``; this package file imports nothing heavy, so a DAG file can import it at parse time.
"""
