"""``quizwire gateway``: join a game with nothing installed — over SSH, or in a browser.

Every session is the real player app (:class:`player.app.PlayerApp`) in a process of its own,
forked from a zygote that has already imported Textual (:mod:`gateway.zygote`), so sessions
share those pages copy-on-write. The SSH side (:mod:`gateway.ssh`) pumps a pty to the SSH
channel; the web side (:mod:`gateway.web`) serves the same app through Textual's web driver.
"""
