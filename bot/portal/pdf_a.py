"""PDF/A-2b from the Word file, by LibreOffice headless (`map.pdf`).

A case record keeps documents for years: PDF/A is the archival PDF (fonts embedded,
nothing fetched from outside). The Word file made from the council's template is
converted, so the PDF looks as the council's Word file does.

Each conversion runs in a private temporary folder (0700) with a LibreOffice profile of
its own (`-env:UserInstallation`): conversions at the same time never share a profile,
and the map's words never stay on disk once the PDF is read back. It runs as an asyncio
subprocess, so the portal's event loop keeps serving everyone else, and is killed (with
the helpers it started) after `MAPBOT_SOFFICE_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
from pathlib import Path

from bot.portal.case_record import Unavailable

logger = logging.getLogger(__name__)

# writer_pdf_Export's options as JSON (LibreOffice 7.4 and later): PDF/A-2b.
PDF_A_2 = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
NOT_INSTALLED = ("The PDF could not be made: LibreOffice is not installed on the MapBot "
                 "server. The Word file, the print page and JSON still work. Please tell "
                 "whoever looks after MapBot (MAPBOT_SOFFICE).")
FAILED = ("The PDF could not be made: LibreOffice {why}. Nothing on the map has changed. "
          "Please try again in a minute; the Word file, the print page and JSON still work.")


def soffice_path(setting: str) -> str | None:
    """LibreOffice's program: the setting (a path, or a name found on PATH), else
    `soffice` (or `libreoffice`) on PATH; None when there is none."""
    if setting:
        found = shutil.which(setting)
        return found if found else None
    return shutil.which("soffice") or shutil.which("libreoffice")


async def convert(docx: bytes, soffice_setting: str, timeout: float) -> bytes:
    """The Word file as PDF/A-2b bytes; `Unavailable` (with why, in plain words) when
    LibreOffice is missing, fails or takes too long."""
    program = soffice_path(soffice_setting)
    if program is None:
        logger.error("PDF export: LibreOffice not found (MAPBOT_SOFFICE=%r)", soffice_setting)
        raise Unavailable(NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="mapbot-pdf-") as folder:
        work = Path(folder)
        work.chmod(0o700)
        source = work / "map.docx"
        source.write_bytes(docx)
        await _run(program, work, source, timeout)
        made = work / "map.pdf"
        if not made.is_file() or made.stat().st_size == 0:
            logger.error("PDF export: LibreOffice made no PDF")
            raise Unavailable(FAILED.format(why="made no PDF"))
        return made.read_bytes()


async def _run(program: str, work: Path, source: Path, timeout: float) -> None:
    profile = (work / "profile").as_uri()
    process = await asyncio.create_subprocess_exec(
        program, "--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck",
        "--nodefault", f"-env:UserInstallation={profile}", "--convert-to", PDF_A_2,
        "--outdir", str(work), str(source),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=str(work),
        env=os.environ | {"HOME": str(work)},  # its caches in the private folder too
        start_new_session=True)  # its own process group: a timeout ends its helpers too
    try:
        _, errors = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        _end(process)
        await process.wait()
        logger.error("PDF export: LibreOffice took longer than %s s; stopped", timeout)
        raise Unavailable(FAILED.format(why=f"took longer than {timeout:g} seconds")) from None
    except asyncio.CancelledError:  # the request went away: leave nothing running
        _end(process)
        raise
    if process.returncode != 0:
        logger.error("PDF export: LibreOffice exited with %s: %s", process.returncode,
                     errors.decode(errors="replace")[-500:])
        raise Unavailable(FAILED.format(why="stopped with an error"))


def _end(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
