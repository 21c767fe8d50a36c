"""共同企業体 (JV): a registry entity made of member firms with shares."""
