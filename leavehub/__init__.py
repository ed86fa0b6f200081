"""LeaveHub: an integration hub for one employer's leave program.

It exchanges files and API payloads with the HRIS, the leave administrator, the disability carrier and
payroll, maps every vendor format to ONE canonical leave schema, and derives and reconciles pay and premium
instructions. Light on purpose: importing ``leavehub`` (as a DAG file does at parse time) imports no pandas,
paramiko or requests; the engine lives in subpackages (``leavehub.mapping``, ``leavehub.config`` ...).
"""
