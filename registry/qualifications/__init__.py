"""A firm's qualifications (SPEC CM1), one sub-package per thing staff name: 建設業許可 (permits), 経審
(keishin), registrations with their 業種 and ranks (ranks), technicians, joint ventures (jvs). Their tables are
in ``models``, their history labels in ``history``."""
