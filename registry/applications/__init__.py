"""Online qualification applications (入札参加資格審査申請, SPEC QA1-QA4, CM9): applicant accounts, the
application and its attachments, staff review and acceptance into the registry, and the signed transfer
bundles that carry applications from an internet-side portal to the LGWAN side."""
