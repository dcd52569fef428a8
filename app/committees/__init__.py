"""Ethics and academic-integrity committees (伦理/学术委员会): panels, the regional expert
pool, referrals, conflict declarations, recusals, attendance, votes and minutes."""
