"""Voice: speech in (VAD, STT), speech out (TTS), and the streaming pipeline with barge-in. Heavy libraries
(faster-whisper, Piper, ONNX Runtime, PyAV) are imported on first use, never here."""

from os1.voice.audio import AudioChunk, AudioError, VoiceError
from os1.voice.events import (
    Heard,
    Interrupted,
    Notice,
    PlaybackResumed,
    PlaybackStopped,
    ReplyAudio,
    ReplySentence,
    ReplyText,
    SpeechStarted,
    TurnEnded,
    VoiceEvent,
)
from os1.voice.pipeline import VoicePipeline

__all__ = ["AudioChunk", "AudioError", "Heard", "Interrupted", "Notice", "PlaybackResumed", "PlaybackStopped",
           "ReplyAudio", "ReplySentence", "ReplyText", "SpeechStarted", "TurnEnded", "VoiceError", "VoiceEvent",
           "VoicePipeline"]
