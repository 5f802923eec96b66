import type { Profile } from './schema.js';

/** A profile as `segmint profile` prints it without --json: the seed's fields, then confidence and generator. */
export function profileText(p: Profile): string {
  const m = p.current_purchase_moment;
  const bullets = (items: readonly string[]): string[] => items.map((i) => `  - ${i}`);
  return [
    `${p.customer_id} as of ${p.as_of} (made ${p.generated_at} by the ${p.generator.narrator} narrator, seed ${p.generator.seed})`,
    '',
    p.general_description,
    `Style: ${p.general_style}`,
    ...p.occasions.flatMap((o) => [`${o.occasion}: ${o.persona_on_occasion}`, ...bullets(o.look_suggestion.map((i) => `${i.description} (${i.product_id}, ${i.slot}, ${i.price})`))]),
    `Tone of voice: ${p.marketing_brief.tone_of_voice.join(', ')}`,
    `Visual direction: ${p.marketing_brief.visual_direction.join(', ')}`,
    'Campaign guidance:',
    ...bullets(p.marketing_brief.campaign_guidance),
    'Content hooks:',
    ...bullets(p.content_hooks),
    'Recent browsing:',
    ...bullets(m.recent_browsing.length ? m.recent_browsing : ['none']),
    m.moment_summary,
    `${m.relationship_with_history} (new behavior: ${m.new_behavior ? 'yes' : 'no'})`,
    'Opportunities:',
    ...bullets(m.opportunities),
    `Confidence: ${p.confidence.level} (${p.confidence.score}; ${p.confidence.basis})`,
  ].join('\n');
}
