"""What scimform's GitHub Actions workflows need beyond `plan` and `apply`, as plain functions
that can be tested offline.

- `runner`: the files a runner hands a step (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, the
  event JSON) and the GitHub API answers the workflows save with `gh api`;
- `comment`: the pull-request comment with the plan (or the failure, or why a fork gets
  none), found again by a hidden marker naming the planned commit, the run and the hash of
  the plan's reviewed facts;
- `facts`: a plan split into the smallest changes a review vouches for;
- `reviewed`: whether every change of the plan about to be applied was shown on a pull
  request merged since the last successful apply;
- `outcome`: what the apply says on each merged pull request it covered;
- `drift`: the body of the drift issue, and whether to open, update or close it.

Nothing here talks to GitHub: the workflows fetch and post with the `gh` CLI, and this
package reads and writes the files in between. Nothing here reads the environment either:
the `scimform ci` commands pass in what they read.
"""
