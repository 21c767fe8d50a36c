"""経営事項審査 (経審): scores per 業種 and 審査基準日, P recomputed, validity, corrections."""
