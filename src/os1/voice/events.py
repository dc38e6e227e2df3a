"""What a spoken conversation reports: small frozen events, in the order they happen. A speaker or a WebSocket
plays each ``ReplyAudio`` and drops what it has queued on ``PlaybackStopped``."""

from __future__ import annotations

from dataclasses import dataclass

from os1.voice.audio import AudioChunk


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    pass


@dataclass(frozen=True, slots=True)
class Heard:
    """A partial transcript while the user speaks, or (``final``) the whole of their turn."""

    text: str
    final: bool = False


@dataclass(frozen=True, slots=True)
class ReplyText:
    text: str


@dataclass(frozen=True, slots=True)
class ReplySentence:
    """A piece of the reply handed to TTS."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplyAudio:
    chunk: AudioChunk


@dataclass(frozen=True, slots=True)
class PlaybackStopped:
    """Stop playing now and drop what is queued (the user started speaking)."""


@dataclass(frozen=True, slots=True)
class PlaybackResumed:
    """It was a backchannel: the reply's audio continues."""


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The reply was cancelled by the user's speech; ``text`` is what had been written of it."""

    text: str


@dataclass(frozen=True, slots=True)
class TurnEnded:
    user_text: str
    reply_text: str
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """A problem that did not end the conversation (no speech found, the model failed…)."""

    code: str
    message: str


VoiceEvent = (SpeechStarted | Heard | ReplyText | ReplySentence | ReplyAudio | PlaybackStopped | PlaybackResumed
              | Interrupted | TurnEnded | Notice)
