import open_clip
import torch

from fashion_diffusion.clip_scorer import Scorer, build_model
from fashion_diffusion.config import ClipTrainConfig
from fashion_diffusion.schedule import cosine_schedule
from fashion_diffusion.training import clip_alignment_loss, guided_loss_term


def test_clip_guided_loss_has_a_gradient_that_reaches_the_unet(tiny_model):
    cfg = ClipTrainConfig(embed_dim=8, width=32, text_width=32, vision_layers=1, text_layers=1, context_length=8)
    torch.manual_seed(0)
    scorer = Scorer(build_model(cfg, 8), open_clip.tokenizer.SimpleTokenizer(context_length=8), "cpu")
    loss_fn = clip_alignment_loss(scorer, ["a photo of a shirt", "a photo of a bag", "a photo of a coat"])
    schedule = cosine_schedule(50)
    x_t, t = torch.randn(4, 1, 8, 8), torch.tensor([1, 5, 10, 40])
    labels = torch.tensor([0, 1, 2, tiny_model.null_class])
    eps = tiny_model(x_t, t, labels)
    term = guided_loss_term(schedule, x_t, t, eps, labels, tiny_model.null_class, loss_fn)
    term.backward()
    assert term.item() > 0
    grads = [p.grad for p in tiny_model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)
    assert all(p.grad is None for p in scorer.model.parameters())  # the scorer stays frozen
