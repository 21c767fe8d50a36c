"""Published bid results (入札結果公表, SPEC CM4, CM11): the page, its CSV and ``flask results export`` (the rows and
the 事後公表 rule in ``queries``), and the versioned wording of the letters after an opening (``rules``)."""
