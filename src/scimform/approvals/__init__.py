"""Who may grant access: the approval policy a pull request's access changes are judged by.

- `changes`: the access changes between the config at two commits (pure);
- `policy`: what each change needs (owners, sensitive groups, self-grants) and what is
  missing (pure);
- `reviews`: who approved, from GitHub's reviews (pure);
- `configs`: the config at a commit, read from git;
- `check`: one pull request checked, from the two configs and its reviews.
"""
