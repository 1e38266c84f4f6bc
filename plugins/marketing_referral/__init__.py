"""Referral (分享裂变 / 邀请有礼): each shopper's share code and link, a share page that
carries the referral through signup, and rewards for both sides on the newcomer's first
completed order, held until the shop's return window closes, once per phone and address.

Rewards are paid by whichever plugin pays their kind (the `reward.granted` event): points
by `marketing_points`, coupons by a coupon plugin that implements `galleria_reward_granted`.
"""
