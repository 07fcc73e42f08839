"""What scimform's GitHub Actions workflows need beyond `plan` and `apply`, as plain functions
that can be tested offline.

- `runner`: the files a runner hands a step (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, the
  event JSON) and the GitHub API answers the workflows save with `gh api`;
- `comment`: the pull-request comment with the plan, found again by a hidden marker that
  also carries the plan hash;
- `reviewed`: whether the plan about to be applied is the one reviewed on the pull request;
- `drift`: the body of the drift issue, and whether to open, update or close it.

Nothing here talks to GitHub: the workflows fetch and post with the `gh` CLI, and this
package reads and writes the files in between. Nothing here reads the environment either:
the `scimform ci` commands pass in what they read.
"""
